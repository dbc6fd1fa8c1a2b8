"""What people look at: offline web maps, the appraisal report and its charts."""
