"""
Zone behaviours: plugins providing L{ark.interfaces.IZoneBehaviour},
found by C{twisted.plugin.getPlugins} in this package (and in any package
named by C{--zone-plugins}).  See C{docs/map-makers.md}.
"""
