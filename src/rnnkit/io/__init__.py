"""rnnkit.io"""
