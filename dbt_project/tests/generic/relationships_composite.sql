{#- Rows whose combination of columns has no match in the parent model (a composite foreign key). -#}
{% test relationships_composite(model, to, columns) %}
select {{ columns | join(', ') }}
from {{ model }} as child
where not exists (
    select 1
    from {{ to }} as parent
    where {% for column in columns %}parent.{{ column }} = child.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
)
{% endtest %}
