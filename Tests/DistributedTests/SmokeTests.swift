import Testing

// Real tests for this layer arrive with it; this keeps the target buildable.
