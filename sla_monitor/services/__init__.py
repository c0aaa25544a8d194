"""One plain function per use case, over the store and the domain."""
