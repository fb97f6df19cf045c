"""The Telegram bot: thin glue between Telegram, the emotion model and the song catalogue."""
