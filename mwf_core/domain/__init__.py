"""Pure model and rules of Meet Without Fear: standard library only."""
