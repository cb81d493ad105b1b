"""rnnkit.inspect"""
