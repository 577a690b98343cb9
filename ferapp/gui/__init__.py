"""The Qt layer: workers, signals and widgets over the recognition core."""
