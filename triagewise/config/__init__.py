"""Config as code: triagewise.toml, validated with every problem reported at once."""

from triagewise.config.loader import CONFIG_NAME, find_config, load_config, parse_config
from triagewise.config.models import Config

__all__ = [
    "CONFIG_NAME",
    "Config",
    "find_config",
    "load_config",
    "parse_config",
]
