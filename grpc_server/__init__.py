"""The gRPC driving adapter: servicers, interceptors and the server runtime."""
