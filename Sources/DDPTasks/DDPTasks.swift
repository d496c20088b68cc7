// The built-in tasks of `swift-ddp`: training modules written the way a user would write
// them, on the library's public API only.
@_exported import SwiftDDP
