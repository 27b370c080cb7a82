"""The night simulator: realistic overnight EMG with a ground-truth sidecar."""
