"""rnnkit.reference"""
