"""The Portkey preset, shipped as package data (``portkey_codegen.preset``): the pin of the upstream
spec, the overlay fixing its defects, the naming rules. A project that configures no spec and no
pin of its own generates from these (see generator/config.py); `portkey-codegen init --eject`
copies them into the project to edit."""
