"""rnnkit.cells"""
