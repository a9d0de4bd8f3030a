"""End-to-end tests of DataClient and the emulator data plane."""
