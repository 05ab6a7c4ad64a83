"""
Agent brains: plugins providing L{ark.interfaces.IAgentBrain}, found by
C{twisted.plugin.getPlugins} in this package (and in any package named by
C{--brain-plugins}).
"""
