"""Benefits (待遇): retirement approval with the minimum-years check, pension awards, monthly payments."""
