"""What results become: CSV and JSON rows, annotated images and videos, drawing and colours, atomic files."""
