"""Errors the core raises for problems a user can fix (bad files, bad settings)."""


class FerappError(Exception):
    """A problem with the user's input, reported as a message rather than a traceback."""


class SourceError(FerappError):
    """A frame source (camera, video, image, folder) is missing or unreadable."""


class InvalidFrameError(FerappError):
    """A frame is empty or has a layout that cannot be turned into a BGR image."""


class DetectorError(FerappError):
    """The face detector cannot be created (missing or broken cascade file)."""


class ModelError(FerappError):
    """A model file is missing, unsafe, broken or does not fit the task."""


class UnknownScalingError(ModelError):
    """A model file without ferapp metadata, loaded without saying its pixel scaling."""


class DataError(FerappError):
    """A dataset file is missing or malformed."""


class OutputError(FerappError):
    """An output cannot be written where asked; ``output`` names which one (``csv``,
    ``json`` or ``annotate``), so a caller can say it in its own words."""

    def __init__(self, output: str, message: str) -> None:
        super().__init__(message)
        self.output = output
