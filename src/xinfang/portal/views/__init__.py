"""Pages of the portal: the public site (public.py) and the staff page for answers (manage.py)."""
