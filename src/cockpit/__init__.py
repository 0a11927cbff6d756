"""Commerce Cockpit: measure and steer a city's digital consumption.

Rooms (one folder each): reference, sample, ingest, indicators, forecast, plans,
alerts, programmes, scenarios, web. ``cockpit.config.get_settings()`` holds every
setting; ``cockpit.cli`` is the one command-line app.
"""

__version__ = "0.1.0"
