"""The sample city: a generated Chongqing whose feeds, injected events and deliberately bad rows are listed in ground_truth.json."""
