"""Local fakes of the remote services the project talks to (Telegram Bot API, Spotify Web API)."""
