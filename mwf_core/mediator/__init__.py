"""The AI pipeline's pure parts: stage prompts, the state-capture tool, the reply filter, the
crisis check and history trimming. Standard library, `mwf_core.domain` and `mwf_core.ports` only;
no I/O (the use cases call the model through the LLM port)."""
