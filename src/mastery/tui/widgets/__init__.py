"""Small reusable widgets: they take data and post messages; screens decide."""
