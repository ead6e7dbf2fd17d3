"""Orders as registers reported them: lists by location, period and status, and full order detail."""
