"""The ``judge`` metric: a chat VLM asked a yes/no question about each caption, scored from its answer's probabilities.

``prompts`` holds the versioned questions, ``answers`` reads P(yes) from the first answer token's
logits, ``model`` loads the judge and scores batches, ``weights_check`` is its pre-flight, and
``metric`` is the ``Metric`` the plugin registers.
"""
