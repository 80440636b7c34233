"""One module per admin screen; each adds its routes to `app.admin_console.shell.blp`."""
