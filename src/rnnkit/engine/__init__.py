"""rnnkit.engine"""
