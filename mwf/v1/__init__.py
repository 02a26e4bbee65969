"""Generated from proto/mwf/v1 by mwf.codegen."""
