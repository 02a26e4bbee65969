"""REST gateway: the original app's JSON API in front of the gRPC SessionService.

Imports only the generated contract (`mwf.v1`), grpc, aiohttp and protobuf libraries, so it can
run as its own process against any server that speaks the contract.
"""

from rest_gateway.app import DEFAULT_MAX_BODY_BYTES, create_app, run_gateway

__all__ = ["DEFAULT_MAX_BODY_BYTES", "create_app", "run_gateway"]
