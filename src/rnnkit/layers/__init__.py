"""rnnkit.layers"""
