"""End-to-end tests of ViamClient, AppClient and the blocking flavour against the emulator."""
