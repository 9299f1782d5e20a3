"""What both channels (REST services and browser views) need of a request
and nothing else: who the caller is. The core never imports this package."""
