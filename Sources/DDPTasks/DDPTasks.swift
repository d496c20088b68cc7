// The built-in tasks of `swift-ddp`: training modules written the way a user would write
// them, on the library's public API only, and the registry that builds them from settings.
@_exported import SwiftDDP
