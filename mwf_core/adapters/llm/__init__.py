"""Language-model adapters: Bedrock, offline mediator, fixtures, telemetry wrapper."""
