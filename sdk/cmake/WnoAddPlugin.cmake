# Placeholder: wno_add_plugin() lands here with the SDK.
