"""
A package of extra zone behaviours, as an operator names with
C{--zone-plugins tests.zoneplugins}: the discovery tests load it.
"""
