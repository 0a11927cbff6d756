"""The web cockpit: FastAPI app, one router per room, Jinja2 pages and ECharts served offline."""
