"""Sources: what learners follow (topics, hashtags, blogs, groups) and where items come from.

`connectors/` holds one module per platform; `net` is the one guarded HTTP path they share.
"""
