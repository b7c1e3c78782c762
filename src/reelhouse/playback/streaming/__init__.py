"""Streaming what a client cannot play directly: HLS sessions that remux or transcode a file."""
