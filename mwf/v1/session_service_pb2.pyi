from mwf.v1 import empathy_pb2 as _empathy_pb2
from mwf.v1 import invitations_pb2 as _invitations_pb2
from mwf.v1 import journey_pb2 as _journey_pb2
from mwf.v1 import needs_pb2 as _needs_pb2
from mwf.v1 import reconciler_pb2 as _reconciler_pb2
from mwf.v1 import sessions_pb2 as _sessions_pb2
from mwf.v1 import stage4_pb2 as _stage4_pb2
from mwf.v1 import strategies_pb2 as _strategies_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
