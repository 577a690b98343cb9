"""Where frames come from: cameras, videos, images and folders, as 8-bit BGR frames."""
