"""Signal processing on plain numpy arrays: filters, envelopes, baselines, artefact suppression."""
