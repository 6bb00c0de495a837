"""The `sirecords` command and every management command of the project."""
