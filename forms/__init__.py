"""WTForms forms and the field validators shared by every form."""
