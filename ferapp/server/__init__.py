"""`ferapp serve`: the recognition core behind a web server (aiohttp), no Qt.

A browser page sends camera frames over a WebSocket and draws the results it gets back;
an HTTP API analyses single images. Both call the core's Recognizer, as the window and
`ferapp analyze` do, so the same model, detector and settings give the same numbers.
"""
