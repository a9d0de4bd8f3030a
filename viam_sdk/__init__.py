"""Python SDK for Viam's cloud API (fleet management, data, billing, ML training, provisioning)."""
