"""积案化解 and 联席会议: the register of matters that will not close (owner, plan, help
given, resolution status), and the joint meetings of departments that discuss them."""
