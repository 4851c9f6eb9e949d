"""The models step: pydantic v2 models from the spec's schemas, via datamodel-code-generator (dcg).

dcg is used in-process as a library, fed a *rewritten copy* of the schemas in which every name
is already final, so its own naming is the identity on ours:

1. ``plan.plan_models`` names every component schema and hoists every inline schema that needs
   a class (objects with properties, ``allOf`` compositions, enums with several values,
   constrained union members / array items, inline request and response bodies) into
   ``components/schemas`` under a name built from its parents. It also sanitises what dcg would
   trust: only known JSON-schema keywords are copied (so ``customTypePath``, ``x-python-type``,
   ``x-python-import``... never reach dcg), formats that would need extra packages are dropped,
   descriptions are normalised, invalid discriminators are dropped with a warning, enum member
   names and field names are chosen by us.
2. ``render.render_models`` runs dcg on that copy and ``check.check_rendered`` checks with
   ``ast`` that the classes (and fields) it wrote are exactly the planned ones.
3. ``hints.type_hint`` gives the Python hint for a schema anywhere in the original document
   (``_models.ClassName`` for classes), for the client/server builders.

Modules, by concern:
  plan         the coordinator (`plan_models`) and its result (`SchemaPlan`)
  state        what planning has decided so far, shared by the modules below
  shapes       pure predicates over one schema node, and the keyword lists
  class_names  which schemas get a class, and each class's name
  fields       Python field names, and the empty property name's stand-in
  rewrite      the walk that copies schemas and hoists classes (properties, items, maps, refs)
  keywords     a schema's own keywords as dcg is handed them
  enums        an enum as an Enum class or a Literal
  defaults     which defaults survive, and ``anyOf: [S, null]`` as a nullable S
  allof        ``allOf`` as bases, copies, combined classes
  unions       union members and discriminators
  sites        the schemas outside components/schemas (parameters, bodies, responses)
  render       the dcg call, its options and templates
  check        dcg's output compared with the plan
  hints        type hints for the client/server builders

The input document is never mutated (YAML anchors make loaded dicts share objects).
"""
