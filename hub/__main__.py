"""``python -m hub``: serve the hub API with the settings from the environment and config file."""

from hub.server import serve
from hub.settings import load_settings

if __name__ == "__main__":
    serve(load_settings())
