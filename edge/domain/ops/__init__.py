"""Operations: health and readiness, metrics, the status page data, technician endpoints, crash points."""
