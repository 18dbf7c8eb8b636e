"""The outer layer: settings, the application service, HTTP routers, pages and the CLI."""
